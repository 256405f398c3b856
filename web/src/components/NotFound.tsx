import { Link } from "react-router";

export function NotFound() {
  return (
    <section className="not-found" data-testid="not-found">
      <h1>Page not found</h1>
      <p>There is nothing here, or it belongs to another organization.</p>
      <p>
        <Link to="/">Go to the dashboard</Link>
      </p>
    </section>
  );
}
