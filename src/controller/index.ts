export { ApplicationController, type ControllerLogger, type ControllerOptions, type LeaseEvent } from './controller.js';
export { ClusterRegistry, kubeConfigForCluster, type ClusterHandle, type ConnectionStatus } from './clusters.js';
export { WorkQueue, type RefreshLevel } from './queue.js';
export { runController, defaultCacheDir, type RunControllerOptions, type RunningController } from './run.js';
export { ControllerMetrics, type AppInfo } from './metrics.js';
