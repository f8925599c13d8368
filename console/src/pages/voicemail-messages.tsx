import { PageTitle } from '../components/common';
export function VoicemailMessagesPage({ id }: { id: string }) {
  return <PageTitle>{`Voicemail box ${id}: messages`}</PageTitle>;
}
