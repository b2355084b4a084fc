// Alert rules for the operators, and the action group that mails them:
// - dead letters on the transmission queue (Service Bus metric DeadletteredMessages, EntityName = the queue);
// - failed orchestrations (the Durable extension's tracking events in the workspace, state Failed);
// - a release deadline passed (the app's custom metric of overdue releases, R16);
// - the Gateway error rate (failed and refused transmissions over all Gateway outcomes, R17).
// The queue name comes from infra/service-bus.json and the metric names from infra/metrics.json (main.bicep
// passes both): the same declarations the code uses (shared/config/queues.ts, shared/ports/metrics.ts).

@description('Suffix of the rule and action group names (the resource token).')
param nameSuffix string

@description('Azure region of the log alert rules (metric alerts and the action group are global).')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('Operations mailbox the alerts go to; empty for an action group without receivers.')
param operationsEmail string = ''

@description('Name of the Service Bus namespace.')
param serviceBusNamespaceName string

@description('Name of the transmission queue (infra/service-bus.json).')
param transmissionQueueName string

@description('Resource id of the Log Analytics workspace behind Application Insights.')
param logAnalyticsId string

@description('The custom metric names (infra/metrics.json, mirror of shared/ports/metrics.ts).')
param metricNames object

@description('Gateway error rate, in percent of the Gateway outcomes over 15 minutes, above which to alert.')
@minValue(1)
@maxValue(100)
param gatewayErrorRatePercent int = 20

@description('Fewest Gateway outcomes in 15 minutes for the error rate to count (no alert on one failure).')
@minValue(1)
param gatewayErrorRateMinimumVolume int = 5

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-ops-${nameSuffix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'bwslcp-ops'
    enabled: true
    emailReceivers: empty(operationsEmail)
      ? []
      : [
          {
            name: 'operations'
            emailAddress: operationsEmail
            useCommonAlertSchema: true
          }
        ]
  }
}

resource serviceBusNamespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource deadLetterAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'alert-dead-letters-${nameSuffix}'
  location: 'global'
  tags: tags
  properties: {
    description: 'R17: a transmission was dead-lettered after its maximum deliveries. Find why in the transmission record (staff were alerted), fix the cause, replay it (docs/operations.md).'
    severity: 1
    enabled: true
    scopes: [
      serviceBusNamespace.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadLetteredTransmissions'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                transmissionQueueName
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

// The Durable extension writes a tracking event per orchestration state change (category
// Host.Triggers.DurableTask, properties prop__functionType and prop__state); Failed is the end of an instance.
var failedOrchestrationsQuery = 'AppTraces | where tostring(Properties.Category) == "Host.Triggers.DurableTask" | where tostring(Properties.prop__functionType) == "Orchestrator" and tostring(Properties.prop__state) == "Failed" | project TimeGenerated, instanceId = tostring(Properties.prop__instanceId), functionName = tostring(Properties.prop__functionName)'

resource failedOrchestrationsAlert 'Microsoft.Insights/scheduledQueryRules@2021-08-01' = {
  name: 'alert-failed-orchestrations-${nameSuffix}'
  location: location
  tags: tags
  properties: {
    displayName: 'Failed orchestrations'
    description: 'An orchestration (cycle timeline, Gateway approval, Terms watch) failed. The daily reconciliation restarts it; look at its history and rewind or restart it if it fails again (docs/operations.md).'
    severity: 2
    enabled: true
    scopes: [
      logAnalyticsId
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: failedOrchestrationsQuery
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

var overdueReleasesQuery = 'AppMetrics | where Name == "${metricNames.releasesOverdue}" | summarize overdue = sum(Sum) by country = tostring(Properties.country)'

resource overdueReleaseAlert 'Microsoft.Insights/scheduledQueryRules@2021-08-01' = {
  name: 'alert-release-deadline-passed-${nameSuffix}'
  location: location
  tags: tags
  properties: {
    displayName: 'Release deadline passed'
    description: 'R16: an assessment report was not released within 28 days after the assessment (staff of the country were told).'
    severity: 2
    enabled: true
    scopes: [
      logAnalyticsId
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: overdueReleasesQuery
          timeAggregation: 'Total'
          metricMeasureColumn: 'overdue'
          dimensions: [
            {
              name: 'country'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// Of the Gateway's outcomes (accepted, refused for good, failed deliveries), the share that failed.
var gatewayErrorRateQuery = 'AppMetrics | where Name in ("${metricNames.transmissionsAccepted}", "${metricNames.transmissionsRejected}", "${metricNames.transmissionDeliveryFailures}") | summarize accepted = sumif(Sum, Name == "${metricNames.transmissionsAccepted}"), failed = sumif(Sum, Name != "${metricNames.transmissionsAccepted}") | extend outcomes = accepted + failed | where outcomes >= ${gatewayErrorRateMinimumVolume} | extend errorRatePercent = 100.0 * failed / outcomes'

resource gatewayErrorRateAlert 'Microsoft.Insights/scheduledQueryRules@2021-08-01' = {
  name: 'alert-gateway-error-rate-${nameSuffix}'
  location: location
  tags: tags
  properties: {
    displayName: 'Gateway error rate'
    description: 'R17: more than ${gatewayErrorRatePercent} % of the transmissions to the SLCP Gateway failed or were refused in 15 minutes. Check the Gateway status and the transmission records.'
    severity: 2
    enabled: true
    scopes: [
      logAnalyticsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: gatewayErrorRateQuery
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'errorRatePercent'
          operator: 'GreaterThan'
          threshold: gatewayErrorRatePercent
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

@description('Resource id of the operations action group.')
output actionGroupId string = actionGroup.id
