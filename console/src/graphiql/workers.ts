/**
 * Monaco (GraphiQL's editor) runs its language services in web workers. Vite must see each
 * worker at build time to bundle it as a file of its own, served by the gateway like any asset:
 * this is graphiql's documented Vite setup (graphiql/setup-workers/vite), without its log line.
 */
import JsonWorker from "monaco-editor/esm/vs/language/json/json.worker.js?worker";
import EditorWorker from "monaco-editor/esm/vs/editor/editor.worker.js?worker";
import GraphQLWorker from "monaco-graphql/esm/graphql.worker.js?worker";

(globalThis as { MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker } }).MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    if (label === "json") return new JsonWorker();
    if (label === "graphql") return new GraphQLWorker();
    return new EditorWorker();
  },
};
