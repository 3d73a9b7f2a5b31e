export interface OrderItem {
  sku: string;
  quantity: number;
}

export interface Order {
  id: string;
  email: string;
  items: OrderItem[];
  status: 'pending' | 'paid' | 'refunded';
}

const orders = new Map<string, Order>();
let nextId = 1;

export function saveOrder(email: string, items: OrderItem[]): Order {
  const order: Order = { id: String(nextId++), email, items, status: 'pending' };
  orders.set(order.id, order);
  return order;
}

export function findOrder(id: string): Order | undefined {
  return orders.get(id);
}
