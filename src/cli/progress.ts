/** A progress bar for long CLI work (cli-progress); silent when stderr is not a terminal. */
import cliProgress from 'cli-progress';

export interface Progress {
  update(step: string, done: number, total: number): void;
  stop(): void;
}

export function createProgress(): Progress {
  if (!process.stderr.isTTY) {
    let lastStep = '';
    return {
      update(step, done, total) {
        if (step !== lastStep || done === total) {
          if (done === total) process.stderr.write(`${step}: ${done}/${total}\n`);
          lastStep = step;
        }
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: '{step} [{bar}] {value}/{total}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let currentStep = '';
  return {
    update(step, done, total) {
      if (!started || step !== currentStep) {
        if (started) bar.stop();
        bar.start(total, done, { step });
        started = true;
        currentStep = step;
      } else {
        bar.setTotal(total);
        bar.update(done, { step });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
