// Key Vault for the Gateway credentials and the callback signing key. Access is by Azure RBAC only;
// soft delete and purge protection are on. The repository holds no secret values: people with the
// Key Vault Secrets Officer role set them (see the README).

@description('Name of the vault (3-24 letters, digits and hyphens).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags for the vault.')
param tags object = {}

@description('Days a deleted vault or secret stays recoverable. With purge protection on, the name stays taken for this long after "azd down".')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Disabled when the vault is reached only through private endpoints.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
    }
  }
}

@description('Resource id of the vault.')
output id string = vault.id

@description('Name of the vault.')
output name string = vault.name

@description('URI of the vault, ending in a slash.')
output uri string = vault.properties.vaultUri
