// A tiny library, found through the source's `libs` (paths relative to the repository root).
{
  configMap(name, data):: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: name },
    data: data,
  },
}
