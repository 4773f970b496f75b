/**
 * Changes inside closed periods waiting for a second person, over HTTP: the list (paged, filtered by
 * status, kind, consultant and author), one request, approve (it is applied then, as a change
 * outside closed periods is, with its author and the approver both taken from their sessions) and
 * reject with a reason. A change is proposed by the route that enters it (POST /api/careers/changes,
 * /api/sponsors/changes, /api/consultants/:code/transfer), which answers 202 with the request.
 *
 * Who may decide: permission `changes.approve` (back office, administrator), never the request's
 * own author (403); a request decided already, also by another approver a moment before, is 409.
 */
import type { FastifyInstance } from 'fastify';
import {
  approveChangeRequest,
  CHANGE_KINDS,
  CHANGE_REQUEST_STATUSES,
  type ChangeKind,
  type ChangeRequestStatus,
  listChangeRequests,
  rejectChangeRequest,
  showChangeRequest,
} from '../../../../back-office/periods';
import { pageEnvelopeSchema, type PageQuery, pageQueryProperties } from '../../paging';
import { apiErrors, codeSchema, idParams, text } from '../../schema-types';

const str = { type: 'string' } as const;
const nullableStr = { type: ['string', 'null'] } as const;
const moment = { type: 'string', format: 'date-time' } as const;

/** One change request as every route answers it. */
export const changeRequestSchema = {
  type: 'object',
  required: ['id', 'kind', 'consultantCode', 'effectiveOn', 'closedPeriod', 'status', 'proposedBy'],
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string', enum: [...CHANGE_KINDS] },
    consultantCode: str,
    effectiveOn: { type: 'string', format: 'date' },
    closedPeriod: { ...str, description: 'the closed period (yyyy-mm) the change reaches into' },
    change: {
      type: 'object',
      additionalProperties: true,
      description: 'the change as proposed (the fields of the route that entered it)',
    },
    reason: str,
    status: { type: 'string', enum: [...CHANGE_REQUEST_STATUSES] },
    proposedBy: { ...str, description: 'the signed-in user who entered it' },
    proposedAt: moment,
    decidedBy: { ...nullableStr, description: 'who approved or rejected it' },
    decidedAt: { type: ['string', 'null'], format: 'date-time' },
    decisionReason: { ...nullableStr, description: 'why it was rejected' },
    result: {
      type: ['object', 'null'],
      additionalProperties: true,
      description: 'what applying it did (requestedPeriods: the periods to recalculate); null until approved',
    },
  },
} as const;

/** The 202 answer of a route whose change was kept for approval. */
export const proposedSchema = {
  type: 'object',
  description:
    'The change reaches into a closed period: kept as a pending change request, nothing applied; another user approves it (POST /api/approvals/{id}/approve)',
  required: ['status', 'changeRequest'],
  properties: {
    status: { type: 'string', enum: ['pending'] },
    changeRequest: changeRequestSchema,
  },
} as const;

export async function registerApprovalRoutes(app: FastifyInstance, tags: string[]): Promise<void> {
  const permission = { permission: 'changes.approve' } as const;
  const decider = (request: { auth: { principal: { login: string; role: string } } | null }) => ({
    login: request.auth!.principal.login,
    role: request.auth!.principal.role,
  });

  app.get<{
    Querystring: PageQuery & {
      status?: ChangeRequestStatus | 'all';
      kind?: ChangeKind;
      consultant?: string;
      proposedBy?: string;
    };
  }>(
    '/api/approvals',
    {
      config: permission,
      schema: {
        tags,
        operationId: 'listApprovals',
        summary: 'Change requests inside closed periods, oldest first; pending ones unless ?status says',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pageQueryProperties,
            status: {
              type: 'string',
              enum: [...CHANGE_REQUEST_STATUSES, 'all'],
              default: 'pending',
              description: 'pending (default), approved, rejected or all',
            },
            kind: { type: 'string', enum: [...CHANGE_KINDS] },
            consultant: { ...codeSchema, description: "the consultant's code" },
            proposedBy: { ...text(100, 1), description: 'the login of who proposed it' },
          },
        },
        response: {
          200: pageEnvelopeSchema(changeRequestSchema, 'A page of change requests'),
          ...apiErrors(400),
        },
      },
    },
    async (request) => {
      const q = request.query;
      return listChangeRequests(app.database, {
        status: q.status,
        kind: q.kind,
        consultantCode: q.consultant,
        proposedBy: q.proposedBy,
        page: q.page,
        pageSize: q.pageSize,
      });
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/approvals/:id',
    {
      config: permission,
      schema: {
        tags,
        operationId: 'getApproval',
        summary: 'One change request: the change, its author, and who decided it',
        params: idParams,
        response: { 200: changeRequestSchema, ...apiErrors(400, 404) },
      },
    },
    async (request) => showChangeRequest(app.database, request.params.id),
  );

  app.post<{ Params: { id: number } }>(
    '/api/approvals/:id/approve',
    {
      config: permission,
      schema: {
        tags,
        operationId: 'approveChange',
        summary:
          'Approve a pending change request of another user: it is applied (with the recalculation requests it raises)',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: {} },
        response: {
          200: { ...changeRequestSchema, description: 'approved and applied' },
          ...apiErrors(400, 403, 404, 409, 422),
        },
      },
    },
    async (request) => approveChangeRequest(app.database, request.params.id, decider(request)),
  );

  app.post<{ Params: { id: number }; Body: { reason: string } }>(
    '/api/approvals/:id/reject',
    {
      config: permission,
      schema: {
        tags,
        operationId: 'rejectChange',
        summary: 'Reject a pending change request of another user, with a reason; nothing is applied',
        params: idParams,
        body: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: { reason: text(1000, 1) },
        },
        response: {
          200: { ...changeRequestSchema, description: 'rejected' },
          ...apiErrors(400, 403, 404, 409, 422),
        },
      },
    },
    async (request) =>
      rejectChangeRequest(app.database, request.params.id, decider(request), request.body.reason),
  );
}
