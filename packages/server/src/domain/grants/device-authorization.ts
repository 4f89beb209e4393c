export type DeviceStatus = "pending" | "approved" | "denied" | "consumed";

export interface DeviceAuthorization {
  deviceCodeHash: string;
  /** Storage form: eight letters, no dash. */
  userCode: string;
  clientId: string;
  scope: string[];
  audiences: string[];
  status: DeviceStatus;
  accountId: string | null;
  authTime: number | null;
  /** Seconds the client must wait between polls; grows with each slow_down. */
  interval: number;
  lastPolledAt: number | null;
  createdAt: number;
  expiresAt: number;
}

export interface DeviceAuthorizationRepository {
  create(authorization: DeviceAuthorization): Promise<void>;
  findByDeviceCode(deviceCodeHash: string): Promise<DeviceAuthorization | undefined>;
  findByUserCode(userCode: string): Promise<DeviceAuthorization | undefined>;
  recordPoll(deviceCodeHash: string, at: number, interval: number): Promise<void>;
  /** Approves or denies a pending authorization; false when it was no longer pending. */
  decide(
    userCode: string,
    decision: { status: "approved" | "denied"; accountId: string; authTime: number },
  ): Promise<boolean>;
  /** Moves an approved authorization to consumed; false when another poll got there first. */
  consume(deviceCodeHash: string): Promise<boolean>;
}
