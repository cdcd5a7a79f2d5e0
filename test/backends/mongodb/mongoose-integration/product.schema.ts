import { Schema } from 'mongoose';

export interface Product {
  sku: string;
  price: number;
}

export const PRODUCT = 'Product';

/** A model of the app's own, next to the sessions in the same database. */
export const ProductSchema = new Schema<Product>({
  sku: { type: String, required: true, unique: true },
  price: { type: Number, required: true },
});
