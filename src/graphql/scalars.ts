import { GraphQLJSON } from "graphql-scalars";

/** Any JSON value (graphql-scalars JSON). DateTimeISO is type-graphql's default Date scalar. */
export const JSONScalar = GraphQLJSON;
