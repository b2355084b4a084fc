// Role assignments: what the app's identity may do, and what the person (or pipeline) running azd may do
// on the data plane. Each assignment is named guid(scope id, principal id, role definition id), so
// re-running azd finds the same assignment instead of failing on a duplicate.

@description('Principal (object) id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('Principal id of the user or service principal running azd; empty to grant nothing.')
param userPrincipalId string = ''

@description('Name of the host storage account.')
param storageAccountName string

@description('Name of the Cosmos DB account.')
param cosmosAccountName string

@description('Name of the Cosmos DB database the data-plane roles are scoped to.')
param cosmosDatabaseName string

@description('Name of the Service Bus namespace.')
param serviceBusNamespaceName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the Communication Services resource.')
param communicationServiceName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' existing = {
  name: cosmosAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationServiceName
}

// Built-in role definitions (Azure RBAC).
var storageBlobDataOwner = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
var storageBlobDataContributor = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
var storageQueueDataContributor = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
var storageTableDataContributor = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
var serviceBusDataSender = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39')
var serviceBusDataReceiver = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0')
var serviceBusDataOwner = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '090c5cfd-751d-490a-894a-3ce6f1109419')
var keyVaultSecretsUser = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
var keyVaultSecretsOfficer = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
var monitoringMetricsPublisher = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb')
// Communication and Email Service Owner: there is no narrower built-in role that lets an Entra
// identity send email; the assignment is scoped to this one resource.
var communicationAndEmailServiceOwner = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '09976791-48a7-449e-bb21-39d1a415f350')

// Cosmos DB data-plane role (not Azure RBAC): Cosmos DB Built-in Data Contributor.
var cosmosDataContributor = '${cosmos.id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002'
var cosmosDatabaseScope = '${cosmos.id}/dbs/${cosmosDatabaseName}'

var hasUser = !empty(userPrincipalId)

// --- The app's identity ---

// Durable task hub and host state: blobs, queues and tables of AzureWebJobsStorage; also reads the
// deployment package from the deployment container.
var appStorageRoles = [
  storageBlobDataOwner
  storageQueueDataContributor
  storageTableDataContributor
]

resource appStorageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleDefinitionId in appStorageRoles: {
    name: guid(storage.id, appPrincipalId, roleDefinitionId)
    scope: storage
    properties: {
      roleDefinitionId: roleDefinitionId
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

var appServiceBusRoles = [
  serviceBusDataSender
  serviceBusDataReceiver
]

resource appServiceBusAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleDefinitionId in appServiceBusRoles: {
    name: guid(serviceBus.id, appPrincipalId, roleDefinitionId)
    scope: serviceBus
    properties: {
      roleDefinitionId: roleDefinitionId
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource appKeyVaultAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: keyVaultSecretsUser
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appTelemetryAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appPrincipalId, monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: monitoringMetricsPublisher
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appEmailAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, appPrincipalId, communicationAndEmailServiceOwner)
  scope: communication
  properties: {
    roleDefinitionId: communicationAndEmailServiceOwner
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource appCosmosAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = {
  parent: cosmos
  name: guid(cosmos.id, appPrincipalId, cosmosDataContributor)
  properties: {
    roleDefinitionId: cosmosDataContributor
    principalId: appPrincipalId
    scope: cosmosDatabaseScope
  }
}

// --- The person or pipeline running azd: data-plane access for seeding, support and secrets ---

var userStorageRoles = [
  storageBlobDataContributor
  storageQueueDataContributor
  storageTableDataContributor
]

resource userStorageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleDefinitionId in userStorageRoles: if (hasUser) {
    name: guid(storage.id, userPrincipalId, roleDefinitionId)
    scope: storage
    properties: {
      roleDefinitionId: roleDefinitionId
      principalId: userPrincipalId
    }
  }
]

// Peek, resubmit and purge dead-lettered transmissions.
resource userServiceBusAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasUser) {
  name: guid(serviceBus.id, userPrincipalId, serviceBusDataOwner)
  scope: serviceBus
  properties: {
    roleDefinitionId: serviceBusDataOwner
    principalId: userPrincipalId
  }
}

// Set the Gateway credentials and the callback signing key.
resource userKeyVaultAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (hasUser) {
  name: guid(vault.id, userPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: keyVaultSecretsOfficer
    principalId: userPrincipalId
  }
}

resource userCosmosAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = if (hasUser) {
  parent: cosmos
  name: guid(cosmos.id, userPrincipalId, cosmosDataContributor)
  properties: {
    roleDefinitionId: cosmosDataContributor
    principalId: userPrincipalId
    scope: cosmosDatabaseScope
  }
  // One Cosmos DB control-plane write at a time on the account.
  dependsOn: [
    appCosmosAccess
  ]
}
