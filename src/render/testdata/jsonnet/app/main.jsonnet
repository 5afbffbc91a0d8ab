// "import" in a comment or a string is not an import: import "/etc/passwd"
local k = import 'k.libsonnet';
local labels = import 'labels.libsonnet';
local note = 'importstr "/etc/shadow" is just text here';

function(replicas=1, owner='nobody')
  [
    k.configMap('settings', { env: std.extVar('env'), owner: owner, note: note }),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', labels: labels },
      spec: { replicas: replicas },
    },
  ]
