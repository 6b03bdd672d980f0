declare global {
  namespace Cloudflare {
    interface Env {
      /** tests/workers/alert-receiver.ts, started by vitest.config.ts. */
      ALERT_RECEIVER_URL: string;
    }
  }
}

export {};
