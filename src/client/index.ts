/**
 * Baton's client SDK: a typed GraphQL client (createClient), the agent runtime (createAgent)
 * and the typed operation documents generated from schema/operations/*.graphql.
 */
export { createAgent, type AgentOptions, type BatonAgent } from "./agent.js";
export { createClient, type BatonClient, type ClientOptions, type RequestOptions } from "./client.js";
export { BatonClientError, ClientErrorCode, isBatonClientError, isConnectionLoss, type ResponseError } from "./errors.js";
export { LeaseAbortedError, runTask, toStepError, withQuality, withSteps, type Lease, type TaskContext, type TaskHandler, type WithQuality, type WithSteps } from "./task.js";
export { consoleLogger, silentLogger, type AgentLogger } from "./util.js";
export { apolloTypePolicies, graphcacheKeys, NODE_TYPES, REPLACED_LISTS, VALUE_TYPES, type ApolloTypePolicy } from "./cache.js";
export * from "./generated/graphql.js";
