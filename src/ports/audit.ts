// The audit port: where services record what was done, by whom, and how it
// ended. The audit module keeps the log (modules/audit/); the composition
// root hands every service a sink that writes to it, so no module imports
// another to be audited.

export interface AuditEntry {
  readonly action: string;
  readonly outcome: 'success' | 'failure' | 'denied';
  readonly actorId?: string | undefined;
  readonly actorIp?: string | undefined;
  readonly targetType?: string | undefined;
  readonly targetId?: string | undefined;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditSink {
  record(entry: AuditEntry): Promise<void>;
}
