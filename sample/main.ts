import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule.fromEnv(process.env));
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  console.log(
    `Sample shop on http://localhost:${port} (SESSION_TYPE=${process.env.SESSION_TYPE ?? 'filesystem'})`,
  );
}

void bootstrap();
