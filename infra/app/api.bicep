// The function app on the Flex Consumption plan (FC1, Node 20). It runs as the user-assigned identity
// and reaches every service with identity-based settings: no connection strings, no keys. The settings
// are the ones shared/config/settings.ts reads in Azure mode plus the Functions host's own.

@description('Name of the function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags for the plan and the app.')
param tags object = {}

@description('Service name in azure.yaml; azd finds the app to deploy to by its azd-service-name tag.')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Name of the host storage account (AzureWebJobsStorage and the deployment container).')
param storageAccountName string

@description('Blob container Flex Consumption deploys the app package to.')
param deploymentContainerName string

@description('Connection string of Application Insights (locates the component; sending needs Entra ID).')
param applicationInsightsConnectionString string

@description('Document endpoint of the Cosmos DB account.')
param cosmosEndpoint string

@description('Name of the Cosmos DB database.')
param cosmosDatabaseName string

@description('Host name of the Service Bus namespace.')
param serviceBusFullyQualifiedNamespace string

@description('URI of the Key Vault holding the Gateway credentials and the callback signing key.')
param keyVaultUri string

@description('Endpoint of Azure Communication Services, for email.')
param communicationEndpoint string

@description('Sender address of notification emails.')
param emailSenderAddress string

@description('Client id of the API app registration: the audience (aud) of its v2.0 access tokens.')
param apiAudience string

@description('Base URL of the SLCP Gateway.')
param gatewayBaseUrl string

@description('Base URL of the portal, for links in emails.')
param portalBaseUrl string

@description('Browser origins (scheme://host[:port]) allowed to call the API cross-origin, comma-separated: the portal. Never *.')
param corsAllowedOrigins string

// Platform CORS (siteConfig.cors) and the app's own setting come from the same list; `*` never passes.
var allowedOrigins = filter(map(split(corsAllowedOrigins, ','), origin => trim(origin)), origin => !empty(origin) && origin != '*')

@description('Subnet (delegated to Microsoft.App/environments) the app joins; empty for none.')
param subnetId string = ''

@description('Most instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Node.js major version.')
param nodeVersion string = '20'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

var appSettings = {
  // Host storage: durable task hub (queues, tables, blobs), leases and timers, with the identity. The
  // service URIs name each endpoint explicitly (the host and the Durable extension take them before
  // accountName; they also hold in clouds whose storage suffix is not core.windows.net).
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  // Documents the app keeps (released reports, R16) in the same account, with the same identity.
  DOCUMENTS_BLOB_SERVICE_URI: storage.properties.primaryEndpoints.blob
  // Cosmos DB: the app's SDK client, and any Cosmos DB trigger or binding on connection "CosmosDB".
  CosmosDB__accountEndpoint: cosmosEndpoint
  CosmosDB__credential: 'managedidentity'
  CosmosDB__clientId: identityClientId
  COSMOS_DATABASE: cosmosDatabaseName
  // Service Bus: triggers and output bindings on connection "ServiceBus", and the app's SDK client.
  ServiceBus__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBus__credential: 'managedidentity'
  ServiceBus__clientId: identityClientId
  // DefaultAzureCredential in the app picks the user-assigned identity by this client id.
  AZURE_CLIENT_ID: identityClientId
  KEY_VAULT_URI: keyVaultUri
  // Bearer tokens: Entra ID of this tenant issues them for the API app registration.
  IDENTITY_ISSUER: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
  IDENTITY_JWKS_URI: '${environment().authentication.loginEndpoint}${tenant().tenantId}/discovery/v2.0/keys'
  IDENTITY_AUDIENCE: apiAudience
  // The SLCP Gateway; the shared secret signing the hand-off and the callbacks stays in Key Vault.
  GATEWAY_BASE_URL: gatewayBaseUrl
  GATEWAY_SHARED_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/gateway-shared-secret/)'
  PUBLIC_API_BASE_URL: 'https://${name}.azurewebsites.net/api'
  PORTAL_BASE_URL: portalBaseUrl
  CORS_ALLOWED_ORIGINS: join(allowedOrigins, ',')
  COMMUNICATION_SERVICES_ENDPOINT: communicationEndpoint
  EMAIL_SENDER_ADDRESS: emailSenderAddress
  // Telemetry with Entra ID: the component has local authentication off.
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // The bundle ships its source maps: stack traces in Application Insights point at the TypeScript.
  NODE_OPTIONS: '--enable-source-maps'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (@Microsoft.KeyVault(...)) in app settings resolve with this identity.
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    siteConfig: {
      minTlsVersion: '1.2'
      // Only the portal's origins; bearer tokens travel in the Authorization header, never cookies.
      cors: {
        allowedOrigins: allowedOrigins
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: appSettings
  }
}

// azd deploys with an Entra token; basic (user name and password) publishing stays off.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Name of the function app.')
output name string = functionApp.name

@description('Base URL of the function app.')
output url string = 'https://${functionApp.properties.defaultHostName}'
