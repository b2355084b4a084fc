// One private endpoint per target, each with its private DNS zone linked to the network, so the
// resources' usual host names resolve to private addresses inside it.

@description('A resource to reach privately.')
type privateEndpointTarget = {
  @description('Short name, used in the endpoint name.')
  name: string

  @description('Resource id of the target.')
  resourceId: string

  @description('Sub-resource (group id) of the target, such as blob or Sql.')
  groupId: string

  @description('Private DNS zone of that sub-resource, such as privatelink.blob.core.windows.net.')
  dnsZoneName: string
}

@description('Prefix of the endpoint names.')
param namePrefix string

@description('Azure region of the endpoints.')
param location string

@description('Tags for the endpoints and zones.')
param tags object = {}

@description('Resource id of the virtual network the zones are linked to.')
param virtualNetworkId string

@description('Resource id of the subnet the endpoints are placed in.')
param subnetId string

@description('The resources to reach privately; each needs its own DNS zone.')
param targets privateEndpointTarget[]

resource zones 'Microsoft.Network/privateDnsZones@2020-06-01' = [
  for target in targets: {
    name: target.dnsZoneName
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [
  for i in range(0, length(targets)): {
    parent: zones[i]
    name: 'vnet-link'
    location: 'global'
    tags: tags
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: virtualNetworkId
      }
    }
  }
]

resource endpoints 'Microsoft.Network/privateEndpoints@2023-11-01' = [
  for target in targets: {
    name: '${namePrefix}-${target.name}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: subnetId
      }
      privateLinkServiceConnections: [
        {
          name: '${namePrefix}-${target.name}'
          properties: {
            privateLinkServiceId: target.resourceId
            groupIds: [
              target.groupId
            ]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = [
  for (target, i) in targets: {
    parent: endpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: replace(target.dnsZoneName, '.', '-')
          properties: {
            privateDnsZoneId: zones[i].id
          }
        }
      ]
    }
  }
]
