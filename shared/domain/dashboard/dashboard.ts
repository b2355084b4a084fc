// R24: the factory dashboard ("My Organization"): quick facts, the caller's notifications, the latest
// documents, the profile banner, and — for everyone but brands (R21) — the SLCP status. Pure.
import { improvementCounts, type ImprovementPlanDocument } from '../compliance/improvementPlan';
import { reportTitle } from '../compliance/report';
import type { FactoryDocument } from '../factory/factory';
import { notificationView, type NotificationDocument, type NotificationView } from '../notifications/notification';
import { sharingView, type SharingView } from '../sharing/sharing';

export const dashboardNotificationCount = 5;
export const dashboardDocumentCount = 5;

export interface ProfileBanner {
  complete: boolean;
  percent: number;
  missing: string[];
}

export interface BrandDashboard {
  factoryId: string;
  name: string;
  quickFacts: {
    /** Buyers subscribing to the latest assessment cycle. */
    buyersSubscribingToLatestCycle: number;
    /** Improvement activities of the current cycle: the items of its improvement plan (R25) done and pending. */
    improvementActivities: { completed: number; pending: number };
  };
  /** The caller's latest notifications about this factory. */
  notifications: NotificationView[];
  /** Assessment reports (and later progress reports) with cycle and date, newest first (R24). */
  latestDocuments: LatestDocument[];
  profile: ProfileBanner;
}

export interface LatestDocument {
  title: string;
  cycleId: string;
  /** The day it was released. */
  date: string;
  fileName: string;
  /** Where the API serves it (the HTML page). */
  href: string;
}

/** R24: the factory's released assessment reports, newest first (the same for brands: nothing about SLCP, R21). */
export function latestDocumentsOf(factory: FactoryDocument): LatestDocument[] {
  return factory.cycles
    .flatMap((cycle) => (cycle.report ? [{ cycle, report: cycle.report }] : []))
    .sort((a, b) => (a.report.releasedAt < b.report.releasedAt ? 1 : -1))
    .slice(0, dashboardDocumentCount)
    .map(({ cycle, report }) => ({
      title: reportTitle,
      cycleId: cycle.cycleId,
      date: report.releasedAt.slice(0, 10),
      fileName: `${report.reportId}.html`,
      href: `/api/factories/${factory.factoryId}/cycles/${cycle.cycleId}/report/html`,
    }));
}

export interface FactoryDashboard extends BrandDashboard {
  slcp: SharingView;
}

/**
 * The dashboard for one caller. `maySeeSlcp` comes from the access policy (`readSlcp`); when it is false
 * (brands) the SLCP field is not there at all, not even empty (R21).
 */
export function buildDashboard(input: {
  factory: FactoryDocument;
  profile: ProfileBanner;
  notifications: readonly NotificationDocument[];
  maySeeSlcp: boolean;
  /** The improvement plan of the current cycle, when its report is released (R25). */
  improvementPlan?: Pick<ImprovementPlanDocument, 'items'> | undefined;
}): BrandDashboard | FactoryDashboard {
  const base: BrandDashboard = {
    factoryId: input.factory.factoryId,
    name: input.factory.name,
    quickFacts: {
      buyersSubscribingToLatestCycle: new Set(input.factory.subscribedBrandIds).size,
      improvementActivities: improvementCounts(input.improvementPlan),
    },
    notifications: input.notifications.slice(0, dashboardNotificationCount).map(notificationView),
    latestDocuments: latestDocumentsOf(input.factory),
    profile: { complete: input.profile.complete, percent: input.profile.percent, missing: [...input.profile.missing] },
  };
  return input.maySeeSlcp ? { ...base, slcp: sharingView(input.factory) } : base;
}
