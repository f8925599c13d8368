import { PageTitle } from '../components/common';
export function HomePage() {
  return <PageTitle>Home</PageTitle>;
}
