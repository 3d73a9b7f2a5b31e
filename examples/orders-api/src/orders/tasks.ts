import type { BackgroundTasks } from '../background/tasks.js';
import type { Order, OrderItem } from './store.js';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function sendReceipt(email: string, orderId: string): Promise<void> {
  await delay(50);
  console.log(`receipt for order ${orderId} sent to ${email}`);
}

export async function updateInventory(items: OrderItem[]): Promise<void> {
  await delay(20);
  for (const item of items) console.log(`inventory: -${item.quantity} ${item.sku}`);
}

const ANALYTICS_URL = process.env.ANALYTICS_URL ?? 'http://127.0.0.1:9000/events';

/** Posts to the analytics service, which can be down: then this rejects. */
export async function recordAnalytics(event: string, orderId: string): Promise<void> {
  const response = await fetch(ANALYTICS_URL, { method: 'POST', body: JSON.stringify({ event, orderId }) });
  if (!response.ok) throw new Error(`analytics answered ${response.status}`);
}

export async function sendStatusUpdate(email: string, message: string): Promise<void> {
  await delay(20);
  console.log(`status update to ${email}: ${message}`);
}

export async function sendRefundEmail(email: string, orderId: string): Promise<void> {
  await delay(2000);
  console.log(`refund confirmation for ${orderId} sent to ${email}`);
}

/** The seed's question: a running task that wants to enqueue another task. */
export async function checkOrderStatus(order: Order, tasks: BackgroundTasks): Promise<void> {
  await delay(20);
  if (order.status === 'pending') {
    tasks.addTask(sendStatusUpdate, order.email, 'Your order is being processed');
  }
}
