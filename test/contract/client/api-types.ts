// Stand-in for the types openapi-typescript generates from the live
// /openapi.json, so that the project type-checks without a running service.
// test/contract/client.test.ts writes the generated file under this name
// beside a copy of flow.ts and type-checks that copy with these loose types
// replaced by the real ones.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberately loose; see above
export type paths = Record<string, any>;
