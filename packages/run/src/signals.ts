import { removeTempKubeconfigs } from '@isoproof/kube';

/** Exit codes of a run stopped by a signal (128 + signal number). */
export const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

export interface SignalHandlerOptions {
  /** Longest time the cleanup may take before the process exits anyway (default 120 s). */
  cleanupTimeoutMs?: number;
  /** Where to say what is happening (default: stderr). */
  log?: (line: string) => void;
  /** Replaces process.exit (tests). */
  exit?: (code: number) => void;
}

export interface SignalHandlers {
  /** Removes the handlers (call when the run finished normally). */
  uninstall(): void;
  [Symbol.dispose](): void;
}

/**
 * On SIGINT/SIGTERM: removes the kubeconfigs holding identity tokens (@isoproof/kube), runs
 * `cleanup` once (the caller exports logs first, then tears down), then exits 130/143. A second signal while cleaning up forces the exit at once. vitest and most runners
 * skip teardown on signals, so the CLI installs this itself.
 */
export function installSignalHandlers(cleanup: () => Promise<void>, opts: SignalHandlerOptions = {}): SignalHandlers {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = opts.cleanupTimeoutMs ?? 120_000;
  let cleaning = false;

  const handler = (signal: NodeJS.Signals) => {
    const code = SIGNAL_EXIT[signal as 'SIGINT' | 'SIGTERM'] ?? 2;
    if (cleaning) {
      log(`isoproof: ${signal} again, exiting without finishing cleanup (run 'isoproof sweep' later)`);
      exit(code);
      return;
    }
    cleaning = true;
    // Kubeconfigs holding identity tokens go first: nothing in the cleanup needs them.
    removeTempKubeconfigs();
    log(`isoproof: ${signal} received, exporting logs and cleaning up (send it again to exit now)`);
    const timer = setTimeout(() => {
      log(`isoproof: cleanup did not finish within ${Math.round(timeoutMs / 1000)}s, exiting (run 'isoproof sweep' later)`);
      exit(code);
    }, timeoutMs);
    timer.unref();
    Promise.resolve()
      .then(cleanup)
      .then(
        () => log('isoproof: cleanup done'),
        (err: unknown) => log(`isoproof: cleanup failed: ${err instanceof Error ? err.message : String(err)} (run 'isoproof sweep')`),
      )
      .finally(() => {
        clearTimeout(timer);
        exit(code);
      });
  };

  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  const uninstall = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  return { uninstall, [Symbol.dispose]: uninstall };
}
