/**
 * Support automations: acknowledgements, agent notifications, business hours, timers.
 * (Being built under issue 6; this is the seam the core calls.)
 */
import type { Logger } from 'pino';
import type { Clock } from '../channel/contract.js';
import type { ChannelDirectory } from '../channel/directory.js';
import type { PonteConfig } from '../config/schema.js';
import type { Database } from '../db/database.js';
import type { OutboxRow } from '../db/tables.js';
import type { OutboundMessage } from '../domain/outbound.js';
import { type AutomationHooks, noAutomation } from './hooks.js';

export interface Automation {
  hooks: AutomationHooks;
  onSent(row: OutboxRow, message: OutboundMessage): Promise<void>;
  /** Runs due timers once; returns how many fired. */
  runTimers(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export interface AutomationDeps {
  database: Database;
  channels: ChannelDirectory;
  config: PonteConfig;
  clock: Clock;
  logger: Logger;
}

export function createAutomation(_deps: AutomationDeps): Automation {
  return {
    hooks: noAutomation,
    onSent: async () => {},
    runTimers: async () => 0,
    start: () => {},
    stop: async () => {},
  };
}
