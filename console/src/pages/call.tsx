import { PageTitle } from '../components/common';
export function CallPage({ sessionId }: { sessionId: string }) {
  return <PageTitle>{`Call ${sessionId}`}</PageTitle>;
}
