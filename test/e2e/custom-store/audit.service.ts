import { Injectable } from '@nestjs/common';

/** A provider a custom store depends on: it records what the store did. */
@Injectable()
export class AuditService {
  readonly events: string[] = [];

  record(event: string): void {
    this.events.push(event);
  }
}
