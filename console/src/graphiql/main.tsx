/**
 * GraphiQL, served by the gateway at GET /graphql for a browser (src/server/console.ts): bundled
 * here with its editor and workers, so that it loads nothing from anywhere else.
 */
import "./workers.js";
import { GraphiQL, type GraphiQLProps } from "graphiql";
import "graphiql/style.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { endpoints } from "../session.js";
import { createBatonFetcher } from "./fetcher.js";
import "./graphiql.css";

const { http, ws } = endpoints();
// GraphiQL's type wants graphql-js error objects; what comes over the wire is their JSON form.
const fetcher = createBatonFetcher(http, ws) as unknown as GraphiQLProps["fetcher"];

const DEFAULT_QUERY = `# Baton's GraphQL API: queries and mutations go over HTTP,
# subscriptions over WebSocket. The token you signed in to the
# console with is sent as the Authorization header: set another
# one under Headers. Every type and field is described in the
# documentation explorer (the book icon).

query Plans {
  plans(first: 10) {
    totalCount
    edges { node { id name state progress } }
  }
}

subscription Signals {
  signals(afterSequence: 0) { sequence kind planId stepKey at }
}
`;

createRoot(document.getElementById("graphiql")!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} shouldPersistHeaders={false}>
      <GraphiQL.Logo>
        <a className="baton-home" href="/">
          Baton
        </a>
      </GraphiQL.Logo>
    </GraphiQL>
  </StrictMode>,
);
