// R24: the factory dashboard ("My Organization"): quick facts, the caller's notifications, the latest
// documents, the profile banner, and — for everyone but brands (R21) — the SLCP status. Pure.
import type { FactoryDocument } from '../factory/factory';
import { notificationView, type NotificationDocument, type NotificationView } from '../notifications/notification';
import { sharingView, type SharingView } from '../sharing/sharing';

export const dashboardNotificationCount = 5;

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
    /** Improvement activities of the current cycle (the improvement plan, R25, is not built yet: zero). */
    improvementActivities: { completed: number; pending: number };
  };
  /** The caller's latest notifications about this factory. */
  notifications: NotificationView[];
  /** Progress reports and assessment reports with cycle and date (none until reports exist). */
  latestDocuments: { title: string; cycleId: string; date: string; fileName: string }[];
  profile: ProfileBanner;
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
}): BrandDashboard | FactoryDashboard {
  const base: BrandDashboard = {
    factoryId: input.factory.factoryId,
    name: input.factory.name,
    quickFacts: {
      buyersSubscribingToLatestCycle: new Set(input.factory.subscribedBrandIds).size,
      improvementActivities: { completed: 0, pending: 0 },
    },
    notifications: input.notifications.slice(0, dashboardNotificationCount).map(notificationView),
    latestDocuments: [],
    profile: { complete: input.profile.complete, percent: input.profile.percent, missing: [...input.profile.missing] },
  };
  return input.maySeeSlcp ? { ...base, slcp: sharingView(input.factory) } : base;
}
