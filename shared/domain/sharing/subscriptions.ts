// Brands subscribing to a factory's assessment cycle: who may read its reports (the access policy) and the
// "buyers subscribing" quick fact of the dashboard (R24). Pure.
import type { FactoryDocument } from '../factory/factory';

export function withSubscription(
  factory: FactoryDocument,
  brandId: string
): { changed: boolean; factory: FactoryDocument } {
  if (factory.subscribedBrandIds.includes(brandId)) return { changed: false, factory };
  return { changed: true, factory: { ...factory, subscribedBrandIds: [...factory.subscribedBrandIds, brandId] } };
}

export function withoutSubscription(
  factory: FactoryDocument,
  brandId: string
): { changed: boolean; factory: FactoryDocument } {
  if (!factory.subscribedBrandIds.includes(brandId)) return { changed: false, factory };
  return {
    changed: true,
    factory: { ...factory, subscribedBrandIds: factory.subscribedBrandIds.filter((id) => id !== brandId) },
  };
}
