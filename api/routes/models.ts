import { Router } from 'express';
import type { SwitchyardConfig } from '../../shared/config/config-schema.js';

/** `GET /v1/models`: the configured model aliases, in OpenAI's list shape. */
export function modelsRouter(config: SwitchyardConfig): Router {
  const router = Router();
  const body = {
    object: 'list',
    data: Object.keys(config.models).map((id) => ({ id, object: 'model', created: 0, owned_by: 'switchyard' })),
  };
  router.get('/v1/models', (_req, res) => {
    res.json(body);
  });
  return router;
}
