// Service Bus namespace and the Gateway transmission queue. Shared access keys are off
// (disableLocalAuth): senders and receivers use Entra ID roles. The queue's settings come from
// infra/service-bus.json, which mirrors shared/config/queues.ts.

@description('A queue as declared in infra/service-bus.json.')
type queueDeclaration = {
  @description('Queue name.')
  name: string

  @description('Deliveries before a message is dead-lettered.')
  maxDeliveryCount: int

  @description('Peek-lock duration (ISO 8601).')
  lockDuration: string

  @description('Duplicate detection window (ISO 8601).')
  duplicateDetectionWindow: string
}

@description('Name of the namespace (6-50 letters, digits and hyphens).')
param name string

@description('Azure region of the namespace.')
param location string

@description('Tags for the namespace.')
param tags object = {}

@description('Standard, or Premium where private endpoints are needed (Standard has none).')
@allowed([
  'Standard'
  'Premium'
])
param sku string = 'Standard'

@description('The transmission queue.')
param queue queueDeclaration

@description('Disabled when the namespace is reached only through private endpoints (Premium only).')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

var skus = {
  Standard: {
    name: 'Standard'
    tier: 'Standard'
  }
  Premium: {
    name: 'Premium'
    tier: 'Premium'
    capacity: 1
  }
}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: skus[sku]
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: publicNetworkAccess
  }
}

resource transmissionQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: queue.name
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: queue.duplicateDetectionWindow
    maxDeliveryCount: queue.maxDeliveryCount
    lockDuration: queue.lockDuration
    deadLetteringOnMessageExpiration: true
  }
}

@description('Resource id of the namespace.')
output id string = namespace.id

@description('Name of the namespace.')
output name string = namespace.name

@description('Host name of the namespace (ServiceBus__fullyQualifiedNamespace), taken from its endpoint https://<host>:443/.')
output fullyQualifiedNamespace string = replace(split(split(namespace.properties.serviceBusEndpoint, '://')[1], ':')[0], '/', '')

@description('Name of the transmission queue.')
output queueName string = transmissionQueue.name
