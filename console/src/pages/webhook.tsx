import { PageTitle } from '../components/common';
export function WebhookPage({ id }: { id: string }) {
  return <PageTitle>{`Webhook request ${id}`}</PageTitle>;
}
