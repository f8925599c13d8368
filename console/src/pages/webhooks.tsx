import { PageTitle } from '../components/common';
export function WebhooksPage() {
  return <PageTitle>Webhook log</PageTitle>;
}
