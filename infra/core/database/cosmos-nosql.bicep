// Cosmos DB for NoSQL: the account, the database and its containers. Keys are off (disableLocalAuth):
// the app and people use Entra ID with data-plane (sqlRoleAssignments) roles. The containers come from
// infra/cosmos-containers.json, which mirrors shared/config/cosmosContainers.ts.

@description('A container as declared in infra/cosmos-containers.json.')
type containerDeclaration = {
  @description('Container name.')
  name: string

  @description('Partition key path, such as /countryCode.')
  partitionKey: string

  @description('Indexing policy (indexingPolicyOf() in shared/config/cosmosContainers.ts).')
  indexingPolicy: object
}

@description('Name of the Cosmos DB account (3-44 lower-case letters, digits and hyphens).')
param accountName string

@description('Azure region of the account.')
param location string

@description('Tags for the account.')
param tags object = {}

@description('Name of the database.')
param databaseName string

@description('Containers to create in the database.')
param containers containerDeclaration[]

@description('serverless: billed per request. autoscale: throughput provisioned on the database and shared by its containers. An account cannot switch between the two in place.')
@allowed([
  'serverless'
  'autoscale'
])
param capacityMode string = 'serverless'

@description('Upper bound (RU/s) of the database autoscale throughput; used only when capacityMode is autoscale.')
@minValue(1000)
param autoscaleMaxThroughput int = 1000

@description('Continuous backup tier: point-in-time restore to a new account within the last 7 days (no extra charge) or 30 days (billed per GB). docs/operations.md tells how to restore.')
@allowed([
  'Continuous7Days'
  'Continuous30Days'
])
param continuousBackupTier string = 'Continuous7Days'

@description('Disabled when the account is reached only through private endpoints.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    capabilities: capacityMode == 'serverless' ? [{ name: 'EnableServerless' }] : []
    // Continuous backup: restore any second of the retention window to a new account (operations.md).
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: continuousBackupTier
      }
    }
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: publicNetworkAccess
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: capacityMode == 'autoscale' ? { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } } : {}
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for container in containers: {
    parent: database
    name: container.name
    properties: {
      resource: {
        id: container.name
        partitionKey: {
          paths: [
            container.partitionKey
          ]
          kind: 'Hash'
          version: 2
        }
        indexingPolicy: container.indexingPolicy
      }
    }
  }
]

@description('Resource id of the account.')
output id string = account.id

@description('Name of the account.')
output accountName string = account.name

@description('Document endpoint of the account (CosmosDB__accountEndpoint).')
output endpoint string = account.properties.documentEndpoint

@description('Name of the database (COSMOS_DATABASE).')
output databaseName string = database.name
