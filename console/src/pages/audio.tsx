import { PageTitle } from '../components/common';
export function AudioPage() {
  return <PageTitle>Audio library</PageTitle>;
}
