import { PageTitle } from '../components/common';
export function TestPage() {
  return <PageTitle>Test call</PageTitle>;
}
