export {
  checkProfileVersion,
  DEFAULT_AUDIENCE,
  PROFILE_VERSION,
  PROFILE_VERSION_PATTERN,
  REQUIRED_ACCESS_TOKEN_CLAIMS,
  REQUIRED_ID_TOKEN_CLAIMS,
  WLCG_GROUPS_CLAIM,
  WLCG_VER_CLAIM,
} from "./claims.js";
export { checkGroupName, isValidGroupName } from "./group-name.js";
export { type GroupMembership, selectGroups } from "./group-selection.js";
export {
  checkLifetime,
  clampLifetime,
  describeSeconds,
  LIFETIMES,
  type LifetimeBounds,
  type LifetimeKind,
} from "./lifetimes.js";
export {
  COMPUTE_CAPABILITIES,
  type ComputeCapability,
  type ComputeScope,
  GROUPS_SCOPE,
  type GroupsScope,
  isComputeCapability,
  isStorageCapability,
  type OtherScope,
  PROFILE_SCOPE,
  type ProfileScope,
  type Scope,
  STORAGE_CAPABILITIES,
  type StorageCapability,
  type StorageScope,
} from "./scope.js";
export { ScopeError } from "./scope-error.js";
export { capabilityImplies, scopeImplies } from "./scope-implies.js";
export { narrowScopes } from "./scope-narrowing.js";
export {
  formatScope,
  parseScope,
  parseScopeOrThrow,
  type ScopeParseResult,
  splitScopeString,
} from "./scope-parse.js";
export {
  checkScopePath,
  normalisePath,
  pathCovers,
  pathSegments,
  type ScopePathCheck,
} from "./storage-path.js";
export { checkSubject, isValidSubject, MAX_SUBJECT_LENGTH } from "./subject.js";
