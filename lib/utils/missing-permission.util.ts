import type { Logger } from '@nestjs/common';

/**
 * Warns, once per permission, that a setup step (creating or describing a
 * table or index) was refused and the store goes on as if it were done: a
 * least-privilege role that may only read and write sessions keeps working.
 */
export class MissingPermissionWarnings {
  private readonly warned = new Set<string>();

  constructor(
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly resource: string,
  ) {}

  warn(permission: string, consequence: string): void {
    if (this.warned.has(permission)) return;
    this.warned.add(permission);
    this.logger.warn(`${this.resource}: permission ${permission} was refused; ${consequence}`);
  }
}
