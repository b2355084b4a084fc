// The audit trail of a factory: every change written with its event (saveFactoryChange), newest first, one
// partition, a page at a time. Registration staff of the country and administrators read it.
import type { Principal } from '../../domain/access/roles';
import type { AuditEventDocument } from '../../domain/factory/factory';
import type { Page } from '../../ports/documentStore';
import { loadFactoryFor } from '../factories/factoryStore';
import { actorOf } from '../users/userDirectory';
import { pageOf, type EnrolmentDeps, type PageRequest } from './deps';

export async function listAuditEvents(
  deps: EnrolmentDeps,
  principal: Principal,
  factoryId: string,
  page: PageRequest
): Promise<Page<AuditEventDocument>> {
  const actor = await actorOf(deps.store, principal);
  const loaded = await loadFactoryFor(deps.store, actor, factoryId, 'readAudit');
  return pageOf(`audit:${factoryId}`, page, (continuation) =>
    deps.store.query<AuditEventDocument>(
      'factories',
      loaded.doc.countryCode,
      {
        query:
          'SELECT * FROM c WHERE c.countryCode = @pk AND c.type = @type AND c.factoryId = @factoryId ORDER BY c.at DESC',
        parameters: [
          { name: '@type', value: 'audit' },
          { name: '@factoryId', value: factoryId },
        ],
      },
      { maxItems: page.pageSize, ...(continuation ? { continuation } : {}) }
    )
  );
}
