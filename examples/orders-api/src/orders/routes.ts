import { Router } from 'express';
import { BackgroundTask } from '../background/tasks.js';
import { findOrder, saveOrder, type OrderItem } from './store.js';
import { checkOrderStatus, recordAnalytics, sendReceipt, sendRefundEmail, updateInventory } from './tasks.js';

export const ordersRouter = Router();

ordersRouter.post('/orders', (req, res) => {
  const { email, items } = req.body as { email: string; items: OrderItem[] };
  const order = saveOrder(email, items);

  req.backgroundTasks.addTask(sendReceipt, order.email, order.id);
  req.backgroundTasks.addTask(updateInventory, order.items);
  recordAnalytics('order_created', order.id);

  res.status(201).json({ id: order.id, status: order.status });
});

ordersRouter.post('/orders/:id/status-check', (req, res) => {
  const order = findOrder(req.params.id);
  if (order === undefined) {
    res.status(404).json({ error: 'order not found' });
    return;
  }
  req.backgroundTasks.addTask(checkOrderStatus, order, req.backgroundTasks);
  res.status(202).json({ id: order.id, message: 'status check scheduled' });
});

ordersRouter.post('/orders/:id/refund', async (req, res) => {
  const order = findOrder(req.params.id);
  if (order === undefined) {
    res.status(404).json({ error: 'order not found' });
    return;
  }
  order.status = 'refunded';
  const confirmation = new BackgroundTask(sendRefundEmail, order.email, order.id);
  await confirmation.run();
  res.json({ id: order.id, status: order.status });
});

ordersRouter.get('/orders/:id', (req, res) => {
  const order = findOrder(req.params.id);
  if (order === undefined) {
    res.status(404).json({ error: 'order not found' });
    return;
  }
  req.backgroundTasks.addTask(recordAnalytics, 'order_viewed', order.id);
  res.json(order);
});
