// Imported relative to main.jsonnet; a .libsonnet is never evaluated on its own.
{ team: 'payments' }
