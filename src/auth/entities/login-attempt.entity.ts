import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Sign-in attempts, for throttling per account and per IP (shared by every app instance). */
@Entity('login_attempts')
@Index('idx_login_attempts_email', ['email', 'at'])
@Index('idx_login_attempts_ip', ['ip', 'at'])
export class LoginAttempt {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Column({ type: 'varchar', length: 64 })
  ip: string;

  @Column({ type: 'boolean' })
  succeeded: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;
}
