// The journal's one small interface: everything the HTTP side, the dispatcher and the admin API
// need from durable storage. SQLite implements it today; a distributed backend could later.

export type DeliveryStatus = 'pending' | 'failed' | 'dead' | 'done';
export type RunStatus = 'pending' | 'running' | 'retrying' | 'done' | 'dead' | 'superseded';
export type JobStatus = 'pending' | 'running' | 'retrying' | 'done' | 'dead' | 'skipped' | 'superseded';

export interface NewJob {
  readonly index: number;
  readonly name: string;
  readonly type: string;
}

export interface NewRun {
  readonly routeIndex: number;
  readonly route: string;
  readonly key: string | undefined;
  readonly jobs: readonly NewJob[];
}

export interface NewDelivery {
  readonly id: string;
  /** The sender's delivery id, when the envelope has one: replays of it are duplicates. */
  readonly sourceId: string | undefined;
  readonly endpoint: string;
  readonly event: string;
  readonly receivedAt: number;
  readonly snapshotId: string;
  /** Headers with authentication and signature headers removed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly contentType: string;
  readonly body: Buffer;
  readonly data: unknown;
  readonly runs: readonly NewRun[];
}

export type AcceptResult =
  | { readonly kind: 'accepted'; readonly id: string; readonly runs: readonly { readonly id: string; readonly seq: number }[] }
  | { readonly kind: 'duplicate'; readonly id: string };

export interface StoredDelivery {
  readonly id: string;
  readonly sourceId: string | undefined;
  readonly endpoint: string;
  readonly event: string;
  readonly receivedAt: number;
  readonly snapshotId: string;
  readonly status: DeliveryStatus;
  readonly headers: Record<string, string>;
  readonly query: Record<string, string>;
  readonly contentType: string;
  readonly body: Buffer;
  readonly data: unknown;
}

export interface StoredRun {
  readonly id: string;
  readonly deliveryId: string;
  readonly routeIndex: number;
  readonly route: string;
  readonly key: string | undefined;
  readonly snapshotId: string;
  readonly status: RunStatus;
  readonly seq: number;
}

export interface StoredJob {
  readonly id: string;
  readonly runId: string;
  readonly index: number;
  readonly name: string;
  readonly type: string;
  readonly status: JobStatus;
  readonly attempts: number;
  /** Attempts made before the last replay: the retry budget counts from there. */
  readonly budgetFrom: number;
}

export interface AttemptRecord {
  readonly n: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: string;
  readonly exitCode?: number | undefined;
  readonly signal?: string | undefined;
  readonly status?: number | undefined;
  readonly output?: string | undefined;
  readonly stderr?: string | undefined;
  readonly error?: string | undefined;
}

export interface DeliverySummary {
  readonly id: string;
  readonly sourceId: string | undefined;
  readonly endpoint: string;
  readonly event: string;
  readonly receivedAt: string;
  readonly status: DeliveryStatus;
  readonly routes: readonly string[];
}

export interface DeliveryDetail extends DeliverySummary {
  readonly snapshotId: string;
  readonly headers: Record<string, string>;
  readonly contentType: string;
  readonly body: string;
  readonly data: unknown;
  readonly runs: readonly (StoredRun & { readonly jobs: readonly (StoredJob & { readonly attemptsLog: readonly AttemptRecord[] })[] })[];
}

export interface ListQuery {
  readonly status?: DeliveryStatus | undefined;
  readonly event?: string | undefined;
  readonly limit?: number | undefined;
}

export interface JobCounts {
  readonly pending: number;
  readonly running: number;
  readonly dead: number;
}

export interface Journal {
  readonly path: string;
  /** Records a routes file so deliveries it routed can finish with it after a restart. */
  saveSnapshot(id: string, file: string, source: string): void;
  snapshotSource(id: string): { file: string; source: string } | undefined;

  /** Commits a delivery and its jobs (grouped with concurrent ones); rejects when not kept. */
  accept(delivery: NewDelivery, dedupWindowMs: number): Promise<AcceptResult>;

  /** Runs left pending or running, in arrival order: what a start must resume. */
  unfinishedRuns(): StoredRun[];
  delivery(id: string): StoredDelivery | undefined;
  jobs(runId: string): StoredJob[];

  jobStarted(jobId: string): void;
  attemptFinished(jobId: string, attempt: AttemptRecord, status: JobStatus): void;
  runFinished(runId: string, status: RunStatus, skipRest: JobStatus | undefined): void;

  list(query: ListQuery): DeliverySummary[];
  detail(idOrSourceId: string): DeliveryDetail | undefined;
  /**
   * Sets a delivery's dead runs pending again and returns them (a run still being retried is left
   * to the dispatcher that holds it). `plan` gives, per route name, the
   * routes file in force now and its actions: a fix made since applies to the replay. Actions
   * that already succeeded (same position and name) are not run again; attempts are numbered on
   * from the earlier ones, which stay in the record, and get a fresh retry budget.
   */
  requeue(id: string, plan: (route: string) => { snapshotId: string; routeIndex: number; jobs: readonly NewJob[] } | undefined): StoredRun[];
  deadDeliveryIds(limit: number): string[];
  counts(): JobCounts;

  /** Deletes finished deliveries received before `before`, a slice at a time. */
  prune(before: number, dedupBefore: number): Promise<number>;
  /** Throws when the journal cannot be written now (read-only or full disk, folder gone, locked). */
  probe(): void;
  close(): Promise<void>;
}
