import express from 'express';
import { backgroundTasks } from './background/express.js';
import { ordersRouter } from './orders/routes.js';

export const app = express();
app.use(express.json());
app.use(backgroundTasks());
app.use(ordersRouter);
