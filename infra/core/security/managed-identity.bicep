// The user-assigned identity the function app runs as: every data-plane call (storage, Cosmos DB,
// Service Bus, Key Vault, Application Insights, email) authenticates with it, so there are no keys.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags for the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output id string = identity.id

@description('Name of the identity.')
output name string = identity.name

@description('Object (principal) id of the identity, for role assignments.')
output principalId string = identity.properties.principalId

@description('Client id of the identity, for AZURE_CLIENT_ID and the *__clientId settings.')
output clientId string = identity.properties.clientId
