// Everything the function app needs in Azure, for `azd up`: a resource group rg-<environment> holding
// the identity, monitoring, storage, Cosmos DB, Service Bus, Key Vault, email, the role assignments
// and the Flex Consumption function app; optionally a virtual network with private endpoints.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment. Names the resource group (rg-<name>) and seeds the token that makes resource names unique.')
param environmentName string

@minLength(1)
@description('Azure region of all resources except the global email ones; it must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Operations mailbox the alert rules notify (dead letters, failed orchestrations, overdue releases, Gateway errors); empty for none.')
param operationsEmail string = ''

@description('Cosmos DB capacity: serverless (billed per request) or autoscale (throughput provisioned on the database, shared by its containers). An account cannot switch between the two in place.')
@allowed([
  'serverless'
  'autoscale'
])
param cosmosCapacityMode string = 'serverless'

@description('Upper bound (RU/s) of the database autoscale throughput when cosmosCapacityMode is autoscale.')
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('Cosmos DB continuous backup tier: the window of point-in-time restore (7 days at no extra charge, or 30 days).')
@allowed([
  'Continuous7Days'
  'Continuous30Days'
])
param cosmosBackupTier string = 'Continuous7Days'

@description('Puts storage, Cosmos DB, Service Bus and Key Vault behind private endpoints in a new virtual network the function app joins, and turns their public access off. Service Bus then uses the Premium tier, the only one with private endpoints.')
param enablePrivateNetworking bool = false

@description('Object id of the user or service principal running azd (AZURE_PRINCIPAL_ID). It gets data-plane access to storage, Cosmos DB and Service Bus, and may set Key Vault secrets. Empty to grant nothing.')
param principalId string = ''

@description('Application (client) id of the API app registration: the aud of its v2.0 access tokens (docs/identity.md). Set it with azd env set API_AUDIENCE <appId>.')
@minLength(36)
@maxLength(36)
param apiAudience string

@description('Base URL of the SLCP Gateway the app hands factories over to.')
param gatewayBaseUrl string

@description('Base URL of the Better Work portal, for links in emails.')
param portalBaseUrl string

@description('Browser origins allowed to call the API (CORS), comma-separated; empty: the origin of portalBaseUrl. Never *.')
param corsAllowedOrigins string = ''

// scheme://host[:port] of the portal: the first three parts of its URL split at "/".
var portalOrigin = join(take(split(portalBaseUrl, '/'), 3), '/')

@description('Where Azure Communication Services and the Email service keep data at rest, such as Europe or United States.')
param communicationDataLocation string = 'Europe'

@description('Most instances the function app scales out to.')
@minValue(1)
@maxValue(1000)
param functionMaximumInstanceCount int = 100

@description('Memory of each function app instance, in MB.')
@allowed([
  512
  2048
  4096
])
param functionInstanceMemoryMB int = 2048

// The code's declarations, mirrored as JSON (the unit tests keep them equal to the TypeScript).
var cosmosDeclaration = loadJsonContent('cosmos-containers.json')
var serviceBusDeclaration = loadJsonContent('service-bus.json')
// The app's custom metric names (alert rules): keep equal to shared/ports/metrics.ts.
var metricsDeclaration = loadJsonContent('metrics.json')
// The app's own blob containers (released reports): keep equal to shared/config/blobContainers.ts.
var blobDeclaration = loadJsonContent('blob-containers.json')

var tags = {
  'azd-env-name': environmentName
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var publicNetworkAccess = enablePrivateNetworking ? 'Disabled' : 'Enabled'
var deploymentContainerName = 'app-package'
// The service name in azure.yaml; azd deploys to the resource carrying this azd-service-name tag.
var apiServiceName = 'api'

resource rg 'Microsoft.Resources/resourceGroups@2022-09-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/security/managed-identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module network 'core/networking/vnet.bicep' = if (enablePrivateNetworking) {
  name: 'network'
  scope: rg
  params: {
    name: 'vnet-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containerNames: concat([deploymentContainerName], blobDeclaration.containers)
    publicNetworkAccess: publicNetworkAccess
  }
}

module cosmos 'core/database/cosmos-nosql.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    accountName: 'cosmos-${resourceToken}'
    location: location
    tags: tags
    databaseName: cosmosDeclaration.databaseName
    containers: cosmosDeclaration.containers
    capacityMode: cosmosCapacityMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    continuousBackupTier: cosmosBackupTier
    publicNetworkAccess: publicNetworkAccess
  }
}

module serviceBus 'core/messaging/service-bus.bicep' = {
  name: 'service-bus'
  scope: rg
  params: {
    name: 'sb-${resourceToken}'
    location: location
    tags: tags
    sku: enablePrivateNetworking ? 'Premium' : 'Standard'
    queue: serviceBusDeclaration.transmissionQueue
    publicNetworkAccess: publicNetworkAccess
  }
}

module keyVault 'core/security/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    publicNetworkAccess: publicNetworkAccess
  }
}

module communication 'core/communication/email.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    communicationServiceName: 'acs-${resourceToken}'
    emailServiceName: 'email-${resourceToken}'
    tags: tags
    dataLocation: communicationDataLocation
  }
}

module privateEndpoints 'core/networking/private-endpoints.bicep' = if (enablePrivateNetworking) {
  name: 'private-endpoints'
  scope: rg
  params: {
    namePrefix: 'pe-${resourceToken}'
    location: location
    tags: tags
    virtualNetworkId: enablePrivateNetworking ? network.outputs.id : ''
    subnetId: enablePrivateNetworking ? network.outputs.privateEndpointSubnetId : ''
    targets: [
      // The Functions host uses all three storage services (durable task hub: queues and tables).
      {
        name: 'blob'
        resourceId: storage.outputs.id
        groupId: 'blob'
        dnsZoneName: 'privatelink.blob.${environment().suffixes.storage}'
      }
      {
        name: 'queue'
        resourceId: storage.outputs.id
        groupId: 'queue'
        dnsZoneName: 'privatelink.queue.${environment().suffixes.storage}'
      }
      {
        name: 'table'
        resourceId: storage.outputs.id
        groupId: 'table'
        dnsZoneName: 'privatelink.table.${environment().suffixes.storage}'
      }
      {
        name: 'cosmos'
        resourceId: cosmos.outputs.id
        groupId: 'Sql'
        dnsZoneName: 'privatelink.documents.azure.com'
      }
      {
        name: 'servicebus'
        resourceId: serviceBus.outputs.id
        groupId: 'namespace'
        dnsZoneName: 'privatelink.servicebus.windows.net'
      }
      {
        name: 'vault'
        resourceId: keyVault.outputs.id
        groupId: 'vault'
        dnsZoneName: 'privatelink.vaultcore.azure.net'
      }
    ]
  }
}

module alerts 'core/monitor/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    nameSuffix: resourceToken
    location: location
    tags: tags
    operationsEmail: operationsEmail
    serviceBusNamespaceName: serviceBus.outputs.name
    transmissionQueueName: serviceBus.outputs.queueName
    logAnalyticsId: monitoring.outputs.logAnalyticsId
    metricNames: metricsDeclaration.metricNames
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    appPrincipalId: identity.outputs.principalId
    userPrincipalId: principalId
    storageAccountName: storage.outputs.name
    cosmosAccountName: cosmos.outputs.accountName
    cosmosDatabaseName: cosmos.outputs.databaseName
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    communicationServiceName: communication.outputs.name
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    serviceName: apiServiceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    keyVaultUri: keyVault.outputs.uri
    communicationEndpoint: communication.outputs.endpoint
    emailSenderAddress: communication.outputs.senderAddress
    apiAudience: apiAudience
    gatewayBaseUrl: gatewayBaseUrl
    portalBaseUrl: portalBaseUrl
    corsAllowedOrigins: empty(corsAllowedOrigins) ? portalOrigin : corsAllowedOrigins
    subnetId: enablePrivateNetworking ? network.outputs.appSubnetId : ''
    maximumInstanceCount: functionMaximumInstanceCount
    instanceMemoryMB: functionInstanceMemoryMB
  }
  // The app starts with its roles in place and, when private, with its endpoints resolvable.
  dependsOn: [
    rbac
    privateEndpoints
  ]
}

// Outputs land in the azd environment (.azure/<environment>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_URL string = api.outputs.url
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output AZURE_COSMOS_DATABASE string = cosmos.outputs.databaseName
output AZURE_SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output AZURE_SERVICE_BUS_TRANSMISSION_QUEUE string = serviceBus.outputs.queueName
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_COMMUNICATION_SERVICES_ENDPOINT string = communication.outputs.endpoint
output AZURE_EMAIL_SENDER_ADDRESS string = communication.outputs.senderAddress
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
