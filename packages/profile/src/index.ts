export const PROFILE_VERSION = "1.0";
