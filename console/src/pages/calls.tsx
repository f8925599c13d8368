import { PageTitle } from '../components/common';
export function CallsPage() {
  return <PageTitle>Calls</PageTitle>;
}
