// The HTTP shape of a cycle's timeline as staff read it (R3, R16-R18, R25, and the orchestration's state).
import { cycleMilestones, timelineAwaits } from '../domain/timeline/cycleTimeline';
import { z } from '../http/openapi';

const timestamp = z.iso.datetime({ offset: true });

const milestoneStates = ['done', 'due', 'scheduled', 'waiting', 'missed', 'notApplicable'] as const;
const runtimeStatuses = [
  'Pending',
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Terminated',
  'Suspended',
  'NotStarted',
  'Unavailable',
] as const;

export const cycleTimelineSchema = z
  .object({
    factoryId: z.string(),
    cycleId: z.string(),
    cycle: z.object({
      startsOn: z.string(),
      endsOn: z.string(),
      activatedAt: timestamp.nullable(),
      overAt: timestamp.openapi({ description: "The start of the day after the cycle's last day" }),
    }),
    milestones: z.array(
      z.object({
        milestone: z.enum(cycleMilestones),
        rule: z.string().openapi({ example: 'R16' }),
        state: z.enum(milestoneStates),
        at: timestamp.nullable().openapi({ description: 'When the timeline acted on it (state done)' }),
        dueAt: timestamp.nullable().openapi({ description: 'When it is, or was, due (due, scheduled, missed)' }),
        waitingFor: z.enum(timelineAwaits).nullable(),
        reason: z.string().nullable().openapi({ description: 'Why it was missed or does not apply' }),
      })
    ),
    next: z
      .object({ milestone: z.enum(cycleMilestones), rule: z.string(), dueAt: timestamp })
      .nullable()
      .openapi({ description: 'The next milestone on the clock' }),
    waitingFor: z
      .array(z.enum(timelineAwaits))
      .openapi({ description: 'What the timeline waits for besides the clock' }),
    finished: z.boolean().openapi({ description: 'The cycle is over and nothing remains' }),
    orchestration: z.object({
      instanceId: z.string().openapi({ example: 'cycle-BD-7KQ2M9XA-C1' }),
      runtimeStatus: z.enum(runtimeStatuses).openapi({
        description:
          "The durable engine's runtime status; NotStarted when it has no instance, Unavailable when it cannot be reached",
      }),
      createdTime: timestamp.nullable(),
      lastUpdatedTime: timestamp.nullable(),
      customStatus: z
        .unknown()
        .openapi({ description: 'What the orchestration says it waits for: next, wakeAt, waitingFor, ran, failed' }),
    }),
  })
  .openapi('CycleTimeline', { description: "A cycle's timeline, for Better Work staff (never brands: R21)" });
