// Inventory: the pick lists stock allocation writes once an order is paid.
// Its step runs in the order-complete flow (orders/flow-steps.ts), so the
// module adds no routes or workers of its own; it owns its table
// (tables.ts) and the allocation itself (allocate.ts).

import { defineModule } from '../contract.ts';

export const inventoryModule = defineModule({ name: 'inventory' });
