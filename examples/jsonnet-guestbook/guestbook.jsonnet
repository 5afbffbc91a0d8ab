// The guestbook as Jsonnet; `name`, `replicas` and `image` are top-level arguments (spec.source.directory.jsonnet.tlas).
local labels(name) = { 'app.kubernetes.io/name': name };

function(name='jsonnet-guestbook', replicas=1, image='registry.kawa.example/guestbook-ui:0.2') [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: name, labels: labels(name) },
    spec: {
      replicas: replicas,
      selector: { matchLabels: labels(name) },
      template: {
        metadata: { labels: labels(name) },
        spec: { containers: [{ name: 'guestbook-ui', image: image, ports: [{ name: 'http', containerPort: 80 }] }] },
      },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: name, labels: labels(name) },
    spec: { selector: labels(name), ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  },
]
