// Every route plugin of the collector: one line each.
import type { FastifyInstance } from 'fastify';
import enrollRoutes from './enroll.ts';
import installRoutes from './install.ts';
import health from './health.ts';
import metrics from './metrics.ts';
import reports from './reports.ts';
import nodeRoutes from './nodes.ts';
import adminRoutes from './admin.ts';
import uptimeRoutes from './uptime.ts';
import maintenanceRoutes from './maintenance.ts';
import operatorRoutes from './operators.ts';
import incidentRoutes from './incidents.ts';
import decommissionRoutes from './decommission.ts';
import ownershipRoutes from './ownership.ts';
import taskRoutes from './tasks.ts';
import monthRoutes from './months.ts';
import statementRoutes from './statements.ts';
import payRoutes from './pay.ts';
import tokenRoutes from './tokens.ts';
import applicationRoutes from './applications.ts';
import programOperatorRoutes from './program-operators.ts';
import partnerRoutes from './partners.ts';
import fleetReportRoutes from './fleet-reports.ts';
import tierProposalRoutes from './tier-proposals.ts';
import uptimeDaysRoutes from './uptime-days.ts';
import statusRoutes from './status.ts';
import eventRoutes from './events.ts';
import consoleRoutes from './console.ts';
import consoleSessionRoutes from './console-session.ts';
import consoleAssetRoutes from './console-assets.ts';
import consolePortalRoutes from './console-portal.ts';

export const routes: Array<(app: FastifyInstance) => Promise<void>> = [
  health,
  metrics,
  reports,
  nodeRoutes,
  adminRoutes,
  uptimeRoutes,
  maintenanceRoutes,
  operatorRoutes,
  incidentRoutes,
  decommissionRoutes,
  ownershipRoutes,
  taskRoutes,
  monthRoutes,
  statementRoutes,
  payRoutes,
  fleetReportRoutes,
  enrollRoutes,
  installRoutes,
  tokenRoutes,
  applicationRoutes,
  programOperatorRoutes,
  partnerRoutes,
  tierProposalRoutes,
  uptimeDaysRoutes,
  statusRoutes,
  eventRoutes,
  consoleRoutes,
  consoleSessionRoutes,
  consoleAssetRoutes,
  consolePortalRoutes,
];
