import { fork, type ChildProcess } from 'node:child_process';
import type { FromService, ServiceReport, ToService } from './service-protocol.ts';

const ENTRY = new URL('./service.ts', import.meta.url).pathname;

/** The service (bench/service.ts) in a child process, driven over IPC. */
export class ServiceProcess {
  readonly child: ChildProcess;
  /** Wall clock (ms) when the process was spawned. */
  readonly spawnedAt: number;
  /** Wall clock (ms) when the service said it had started. */
  startedAt = 0;
  private readonly waiting: { type: FromService['type']; resolve: (m: FromService) => void }[] = [];
  private exited: Promise<number | null>;
  private failure: Error | undefined;

  private constructor(env: NodeJS.ProcessEnv, execArgv: string[]) {
    this.spawnedAt = Date.now();
    // The child's stdout goes to our stderr: our stdout is the table alone.
    this.child = fork(ENTRY, [], { env, execArgv, stdio: ['ignore', 2, 2, 'ipc'] });
    this.child.on('message', (m: FromService) => {
      if (m.type === 'failed') this.failure = new Error(`the service failed to start: ${m.message}`);
      const i = this.waiting.findIndex((w) => w.type === m.type || m.type === 'failed');
      if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(m);
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      this.failure ??= new Error(`the service exited with code ${code}`);
      for (const w of this.waiting.splice(0)) w.resolve({ type: 'failed', message: this.failure.message });
      resolve(code);
    }));
  }

  static async start(env: NodeJS.ProcessEnv, execArgv: string[] = []): Promise<ServiceProcess> {
    const s = new ServiceProcess(env, execArgv);
    const m = await s.next('started');
    s.startedAt = (m as Extract<FromService, { type: 'started' }>).at;
    return s;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private next(type: FromService['type']): Promise<FromService> {
    if (this.failure && this.child.exitCode !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ type, resolve: (m) => (m.type === 'failed' ? reject(this.failure ?? new Error(m.message)) : resolve(m)) });
    });
  }

  private send(m: ToService): void {
    this.child.send(m);
  }

  /** Starts collecting the latency of committed records whose eventId has this prefix. */
  probe(eventIdPrefix: string): void {
    this.send({ type: 'probe', eventIdPrefix });
  }

  async report(): Promise<ServiceReport> {
    const reply = this.next('report');
    this.send({ type: 'report' });
    return ((await reply) as Extract<FromService, { type: 'report' }>).report;
  }

  /** Stops the service cleanly; resolves with its last report once the process has exited. */
  async stop(): Promise<ServiceReport> {
    const reply = this.next('stopped');
    this.send({ type: 'stop' });
    const { report } = (await reply) as Extract<FromService, { type: 'stopped' }>;
    await this.exited;
    return report;
  }

  /** For clean-up after a failure: a clean stop if it answers (which also writes a --cpu-prof file), else SIGTERM, then SIGKILL. */
  async kill(graceMs = 15_000): Promise<void> {
    const gone = () => this.child.exitCode !== null || this.child.signalCode !== null;
    if (gone()) return;
    const within = (ms: number) => Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    if (this.child.connected) {
      this.send({ type: 'stop' });
      if (await within(graceMs)) return;
    }
    this.child.kill('SIGTERM');
    if (await within(5_000)) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
